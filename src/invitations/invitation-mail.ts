import { escapeHtml, type MailMessage } from '../mail/mailer.js';

interface InvitationMailData {
  to: string;
  tenantName: string;
  inviterName: string | null;
  role: string;
  acceptUrl: string;
  expiresAt: string;
}

type Template = (d: InvitationMailData) => { subject: string; lines: string[]; button: string };

/** The invitation message in each language it is written in; English is the fallback. */
const TEMPLATES: Record<string, Template> = {
  en: (d) => ({
    subject: `You are invited to join ${d.tenantName}`,
    lines: [
      `${d.inviterName ?? 'Someone'} invited you to join ${d.tenantName} as ${d.role}.`,
      `The invitation is valid until ${d.expiresAt.slice(0, 16).replace('T', ' ')} UTC.`,
    ],
    button: 'Accept the invitation',
  }),
  de: (d) => ({
    subject: `Einladung zu ${d.tenantName}`,
    lines: [
      `${d.inviterName ?? 'Jemand'} hat Sie eingeladen, ${d.tenantName} als ${d.role} beizutreten.`,
      `Die Einladung gilt bis ${d.expiresAt.slice(0, 16).replace('T', ' ')} UTC.`,
    ],
    button: 'Einladung annehmen',
  }),
  fr: (d) => ({
    subject: `Invitation à rejoindre ${d.tenantName}`,
    lines: [
      `${d.inviterName ?? 'Quelqu’un'} vous invite à rejoindre ${d.tenantName} en tant que ${d.role}.`,
      `L’invitation est valable jusqu’au ${d.expiresAt.slice(0, 16).replace('T', ' ')} UTC.`,
    ],
    button: 'Accepter l’invitation',
  }),
};

/** Languages an invitation e-mail can be written in. */

export function invitationMail(languageCode: string | null, data: InvitationMailData): MailMessage {
  const { subject, lines, button } = (TEMPLATES[languageCode ?? 'en'] ?? TEMPLATES.en)(data);
  const text = [...lines, '', `${button}: ${data.acceptUrl}`, ''].join('\n');
  const html =
    lines.map((l) => `<p>${escapeHtml(l)}</p>`).join('\n') +
    `\n<p><a href="${escapeHtml(data.acceptUrl)}">${escapeHtml(button)}</a></p>\n`;
  return { to: data.to, subject, text, html };
}
