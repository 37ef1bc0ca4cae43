/** The kinds of field error kube-apiserver reports in `details.causes[].reason`. */
export type FieldErrorType =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueTypeInvalid"
  | "FieldValueForbidden";

/** One invalid field: its path (`spec.ref.branch`, `spec.include[0].repository`) and why. */
export interface FieldError {
  type: FieldErrorType;
  field: string;
  message: string;
}

/** Joins field errors into one line, as kube-apiserver does in a 422 message. */
export function formatFieldErrors(errors: readonly FieldError[]): string {
  if (errors.length === 1) return `${errors[0]?.field}: ${errors[0]?.message}`;
  return `[${errors.map((e) => `${e.field}: ${e.message}`).join(", ")}]`;
}

/** Error thrown by {@link assertValid}: names the object and every invalid field. */
export class ObjectValidationError extends Error {
  constructor(
    readonly objectRef: string,
    readonly fieldErrors: readonly FieldError[],
  ) {
    super(`${objectRef} is invalid: ${formatFieldErrors(fieldErrors)}`);
    this.name = "ObjectValidationError";
  }
}
