import nodemailer from 'nodemailer';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  messageId: string;
}

/** Sends notification emails through the SMTP server of SMTP_URL (e.g. smtp://user:pass@host:587). */
export function createMailer(smtpUrl: string, from = 'incident-gateway <notifications@incident-gateway.invalid>') {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    async send(email: OutgoingEmail): Promise<void> {
      await transport.sendMail({ from, to: email.to, subject: email.subject, text: email.text, messageId: email.messageId });
    },
    close(): void {
      transport.close();
    },
  };
}
