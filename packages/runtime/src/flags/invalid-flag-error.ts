// The error a controller's flag parser throws for a value it can't use.

/** Error for a flag value that can't be used (the message names the flag). */
export class InvalidFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidFlagError";
  }
}
