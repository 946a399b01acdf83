import fs from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import { newUid } from '../crypto/tokens.js';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** What happened to a message: sent over SMTP, or written to the data folder. */
export type MailOutcome = { status: 'sent' } | { status: 'written'; file: string };

export interface Mailer {
  /** True when messages really leave (SMTP is configured). */
  readonly delivers: boolean;
  /** Sends a message; throws when it cannot be sent. */
  send(message: MailMessage): Promise<MailOutcome>;
}

/**
 * Real SMTP through nodemailer when SMTP_URL is set; otherwise each message is
 * written as an .eml file under `<DATA_DIR>/mail/` and logged, so a developer can
 * open it.
 */
export function createMailer(config: Pick<Config, 'mail' | 'dataDir'>, log: FastifyBaseLogger): Mailer {
  const from = config.mail.from;
  if (config.mail.smtpUrl) {
    const transport = nodemailer.createTransport(config.mail.smtpUrl);
    return {
      delivers: true,
      async send(message) {
        try {
          await transport.sendMail({ from, ...message });
        } catch (error) {
          log.error({ err: error, to: message.to, subject: message.subject }, 'mail could not be sent');
          throw error;
        }
        log.info({ to: message.to, subject: message.subject }, 'mail sent');
        return { status: 'sent' };
      },
    };
  }
  const build = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  const folder = path.join(config.dataDir, 'mail');
  return {
    delivers: false,
    async send(message) {
      const info = await build.sendMail({ from, ...message });
      await fs.mkdir(folder, { recursive: true });
      const file = path.join(folder, `${new Date().toISOString().replace(/[:.]/g, '-')}-${newUid()}.eml`);
      await fs.writeFile(file, info.message as Buffer, { mode: 0o600 });
      log.info({ to: message.to, subject: message.subject, file }, 'mail written (no SMTP_URL configured)');
      return { status: 'written', file };
    },
  };
}

/** Text made safe to put into an e-mail's HTML, as element content or an attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
