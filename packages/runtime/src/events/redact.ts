const urlUserInfo = /\b([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+)(:[^/\s@]*)?@/gi;
const queryToken =
  /([?&](?:access_token|token|password|secret|sig|signature|x-amz-signature|x-amz-credential)=)[^&\s"']+/gi;
const bearer = /\b(bearer|basic)\s+(?=[a-z0-9._~+/=-]*[0-9=+/.])[a-z0-9._~+/=-]{8,}/gi;

/**
 * Removes credentials that commonly leak into error messages: user info in URLs
 * (`https://user:token@host` → `https://***@host`; an SSH user name without password is kept),
 * secret-looking query parameters and
 * `Authorization` header values. Applied to every event message and metadata value.
 */
export function redactSecrets(text: string): string {
  return text
    .replace(urlUserInfo, (all, scheme: string, _user: string, password: string | undefined) =>
      scheme.toLowerCase() === "ssh://" && password === undefined ? all : `${scheme}***@`,
    )
    .replace(queryToken, "$1***")
    .replace(bearer, "$1 ***");
}
