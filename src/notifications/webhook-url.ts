/**
 * Whether a webhook receiver URL may be stored: why not, or null. The one check of a destination
 * when it is given (contact methods); delivery goes through the outbox worker, which checks the
 * address it connects to.
 */
export async function checkWebhookUrl(url: string): Promise<string | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an http or https URL';
  }
  if (!['http:', 'https:'].includes(parsed.protocol)) return 'must be an http or https URL';
  // Credentials in a URL end up in logs and error messages.
  if (parsed.username || parsed.password) return 'must not contain a user name or password';
  return null;
}
