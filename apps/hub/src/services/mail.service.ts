/**
 * @module The one mail port. Mail is written to the outbox inside the caller's transaction and
 * delivered by a job: over SMTP (nodemailer) when SMTP_URL is set, otherwise recorded as delivered
 * to the dev outbox and logged, so every flow works with no mail server.
 */
import type { Database } from '@clockface/db-hub';
import {
  enqueueMail,
  findMail,
  listUndeliveredMail,
  markMailDelivered,
  recordMailFailure,
} from '@clockface/db-hub/queries';
import { createTransport, type Transporter } from 'nodemailer';
import type { HubDeps } from '../deps';

export interface OutgoingMail {
  orgId?: string | null;
  to: string;
  subject: string;
  text: string;
  template:
    | 'password_reset'
    | 'invitation'
    | 'password_changed'
    | 'modification_request_submitted'
    | 'modification_request_decided';
  meta?: Record<string, unknown>;
}

/** Writes the mail in `tx`; returns its id so the caller can nudge the queue after commit. */
export async function queueMail(tx: Database, mail: OutgoingMail): Promise<string> {
  const row = await enqueueMail(tx, mail);
  return row.id;
}

/** After the transaction commits: ask the queue to deliver now (the sweep catches it otherwise). */
export async function nudgeMailDelivery(deps: HubDeps, mailIds: string[]): Promise<void> {
  if (!deps.jobs) return;
  for (const mailId of mailIds) {
    await deps.jobs
      .deliverMail(mailId)
      .catch((error: unknown) =>
        deps.log.warn({ err: error, mailId }, 'mail job not queued; the sweep will deliver it'),
      );
  }
}

const MAX_ATTEMPTS = 10;

export function createMailDelivery(deps: Pick<HubDeps, 'db' | 'config' | 'clock' | 'log'>) {
  const transport: Transporter | null = deps.config.smtpUrl ? createTransport(deps.config.smtpUrl) : null;

  async function deliver(mailId: string): Promise<void> {
    const mail = await findMail(deps.db, { mailId });
    if (!mail || mail.deliveredAt) return;
    try {
      if (transport) {
        await transport.sendMail({
          from: deps.config.mailFrom,
          to: mail.to,
          subject: mail.subject,
          text: mail.text,
        });
        await markMailDelivered(deps.db, { mailId, transport: 'smtp', now: deps.clock.now() });
      } else {
        // The body holds single-use links: log them only outside production, where the dev outbox is the inbox.
        deps.log.info(
          {
            mailId,
            to: mail.to,
            subject: mail.subject,
            ...(deps.config.environment === 'production' ? {} : { text: mail.text }),
          },
          'dev outbox: mail recorded (no SMTP_URL configured)',
        );
        await markMailDelivered(deps.db, { mailId, transport: 'dev-outbox', now: deps.clock.now() });
      }
    } catch (error) {
      await recordMailFailure(deps.db, {
        mailId,
        error: String((error as Error).message ?? error),
        attempts: mail.attempts + 1,
      });
      throw error;
    }
  }

  async function sweep(): Promise<void> {
    for (const mail of await listUndeliveredMail(deps.db, { maxAttempts: MAX_ATTEMPTS, limit: 100 })) {
      await deliver(mail.id).catch((error: unknown) =>
        deps.log.warn({ err: error, mailId: mail.id }, 'mail delivery failed'),
      );
    }
  }

  return { deliver, sweep };
}
