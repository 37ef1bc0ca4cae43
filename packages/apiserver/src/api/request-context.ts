/** The authenticated (or impersonated) user of a request. */
export interface UserInfo {
  name: string;
  /** The user's uid (ServiceAccounts: the ServiceAccount's uid). */
  uid?: string;
  groups: string[];
  /** Extra attributes (ServiceAccount tokens: credential id, bound pod). */
  extra?: Record<string, string[]>;
  /** The user that authenticated when impersonating. */
  impersonatedBy?: string;
}

/** Per-request options shared by every write. */
export interface RequestContext {
  user: UserInfo;
  /** `dryRun=All`: validate and compute, store nothing. */
  dryRun: boolean;
  /** Field manager (query `fieldManager`, else derived from the User-Agent). */
  fieldManager: string;
  /** `fieldValidation` query parameter. */
  fieldValidation: "Strict" | "Warn" | "Ignore";
  /** Warnings to send back in `Warning` headers. */
  warnings: string[];
}

/** A context for internal writes (controllers inside the server). */
export function systemContext(manager: string): RequestContext {
  return {
    user: { name: "system:apiserver", groups: ["system:masters"] },
    dryRun: false,
    fieldManager: manager,
    fieldValidation: "Ignore",
    warnings: [],
  };
}
