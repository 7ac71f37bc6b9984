import { and, eq, inArray, sql } from 'drizzle-orm';
import type { KioskDbOrTx } from '../open';
import { faceTemplates } from '../schema/index';
import { decryptRecord, encryptRecord, templateAad } from '../crypto';

export interface TemplateInput {
  id: string;
  employeeId: string;
  modelId: string;
  version: number;
  embedding: Float32Array;
}

/** Encrypts and stores templates (replacing by id). The plaintext floats never reach the file. */
export function upsertTemplates(
  db: KioskDbOrTx,
  params: { orgId: string; templates: TemplateInput[]; dataKey: Buffer; keyVersion: number; at: Date },
): void {
  for (const template of params.templates) {
    const plaintext = Buffer.from(
      template.embedding.buffer,
      template.embedding.byteOffset,
      template.embedding.byteLength,
    );
    const values = {
      id: template.id,
      orgId: params.orgId,
      employeeId: template.employeeId,
      modelId: template.modelId,
      dimension: template.embedding.length,
      version: template.version,
      ciphertext: encryptRecord(params.dataKey, plaintext, templateAad({ ...template, orgId: params.orgId })),
      keyVersion: params.keyVersion,
      updatedAt: params.at.toISOString(),
    };
    db.insert(faceTemplates)
      .values(values)
      .onConflictDoUpdate({ target: faceTemplates.id, set: values })
      .run();
  }
}

export interface DecryptedTemplate {
  id: string;
  employeeId: string;
  version: number;
  embedding: Float32Array;
}

/**
 * Decrypts one model's templates for the matcher. A row that does not decrypt (moved ciphertext,
 * changed modelId, wrong key) is left out and listed in `failedIds`; the caller logs
 * `crypt_decrypt_fail` and the matcher never sees it.
 */
export function listTemplates(
  db: KioskDbOrTx,
  params: { orgId: string; modelId: string; dataKey: Buffer },
): { templates: DecryptedTemplate[]; failedIds: string[] } {
  const rows = db
    .select()
    .from(faceTemplates)
    .where(and(eq(faceTemplates.orgId, params.orgId), eq(faceTemplates.modelId, params.modelId)))
    .all();
  const templates: DecryptedTemplate[] = [];
  const failedIds: string[] = [];
  for (const row of rows) {
    const plaintext = decryptRecord(params.dataKey, row.ciphertext, templateAad(row));
    if (!plaintext || plaintext.length !== row.dimension * 4) {
      failedIds.push(row.id);
      continue;
    }
    const embedding = new Float32Array(row.dimension);
    new Uint8Array(embedding.buffer).set(plaintext);
    plaintext.fill(0);
    templates.push({ id: row.id, employeeId: row.employeeId, version: row.version, embedding });
  }
  return { templates, failedIds };
}

export function deleteTemplates(db: KioskDbOrTx, params: { ids: string[] }): number {
  if (params.ids.length === 0) return 0;
  return db.delete(faceTemplates).where(inArray(faceTemplates.id, params.ids)).run().changes;
}

export function countTemplates(db: KioskDbOrTx): number {
  return (
    db
      .select({ count: sql<number>`count(*)` })
      .from(faceTemplates)
      .get()?.count ?? 0
  );
}
