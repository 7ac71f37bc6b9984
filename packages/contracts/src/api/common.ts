import { z } from 'zod';

/** RFC 9457 problem details, as every hub error is answered. */
export const ZProblem = z
  .object({
    type: z.string().meta({ description: 'A URI naming the kind of problem; open it for an explanation.' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    code: z.string().meta({ description: 'Stable machine-readable error code (UPPER_SNAKE).' }),
    requestId: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    retryAfterSeconds: z.number().int().optional(),
  })
  .meta({ id: 'Problem' });
export type TProblem = z.infer<typeof ZProblem>;

export const ZUuid = z.uuid();

/** ISO timestamps travel as strings. */
export const ZTimestamp = z.iso.datetime({ offset: true });

/** An IANA time zone the runtime knows (Intl), e.g. Europe/Berlin. */
export const ZTimeZone = z
  .string()
  .max(64)
  .refine(
    (zone) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: zone });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'Expected an IANA time zone such as Europe/Berlin' },
  );

/** Cursor pagination: `limit` is clamped server-side to PAGE_LIMIT_MAX. */
export const PAGE_LIMIT_MAX = 200;
export const ZPageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(PAGE_LIMIT_MAX).default(50),
  cursor: z.string().max(200).optional(),
});
export type TPageQuery = z.infer<typeof ZPageQuery>;

export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    nextCursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next page; null at the end.' }),
  });

/** Human names: trimmed, non-empty, bounded. Stored and returned exactly as given (no HTML escaping). */
export const ZName = z.string().trim().min(1).max(200);
export const ZEmail = z
  .email()
  .max(254)
  .transform((value) => value.trim().toLowerCase());
