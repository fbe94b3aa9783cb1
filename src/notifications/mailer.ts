import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  messageId: string;
}

/**
 * Sends notification emails through the SMTP server of SMTP_URL (e.g. smtp://user:pass@host:587).
 * Every stage is bounded by `timeoutMs`, like a webhook attempt, so a silent server cannot hold a
 * delivery past its lease.
 */
export function createMailer(smtpUrl: string, timeoutMs: number, from = 'incident-gateway <notifications@incident-gateway.invalid>') {
  const transport = nodemailer.createTransport({ url: smtpUrl, connectionTimeout: timeoutMs, greetingTimeout: timeoutMs, socketTimeout: timeoutMs });
  return {
    async send(email: OutgoingEmail): Promise<void> {
      await transport.sendMail({ from, to: email.to, subject: email.subject, text: email.text, messageId: email.messageId });
    },
    close(): void {
      transport.close();
    },
  };
}
