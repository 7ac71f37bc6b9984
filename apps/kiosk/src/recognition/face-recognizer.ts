/**
 * @module The kiosk's Recognizer over packages/face: the FaceEngine (worker thread) analyses each
 * frame, and a FaceGallery of the templates decrypted from the kiosk store answers who it is.
 *
 * - The gallery holds only templates of the model the engine runs (templates of other model ids
 *   are never compared); it is rebuilt when the roster changes (a delta applied: new, deleted or
 *   tombstoned templates) and emptied, with its memory zeroed, on revocation or a lost data key.
 * - Per frame the answer is open-set: a face below the threshold, or too close to a second
 *   person (margin), is "unknown" (employeeId null), never the nearest employee. The
 *   N-consecutive-frames rule, the PAD rule and duplicate suppression stay in the agent's
 *   frame decider (punch.service.ts), shared with the kiosk screens.
 */
import type { TKioskSettings } from '@clockface/contracts/sync';
import {
  countTemplates,
  findCursor,
  findDeviceIdentity,
  insertSecurityEvent,
  listTemplates,
} from '@clockface/db-kiosk';
import {
  DEFAULT_PIPELINE,
  FaceEngine,
  FaceGallery,
  FACERES_MATCH,
  FR_FEATURE_MATCH,
  modelIdFor,
  toObservation,
  type EmbedderId,
  type MatchOptions,
  type MatchResult,
} from '@clockface/face';
import type { AgentStore } from '../agent/db';
import type { Frame } from '../agent/frame-sources';
import type { RecognitionResult, Recognizer } from '../agent/recognizer';
import { ROSTER_CURSOR } from '../agent/roster-sync';

/** faceres model ids start with this (packages/face modelIdFor); everything else is fr_feature. */
const FACERES_MODEL_PREFIX = 'human-faceres';

/** The embedder a model id names, so the kiosk runs the model the hub enrolled with. */
export function embedderForModelId(modelId: string): EmbedderId {
  return modelId.startsWith(FACERES_MODEL_PREFIX) ? 'faceres' : 'fr_feature';
}

/** The model id the engine will run for these settings (known before the engine has started). */
export function expectedModelId(settings: TKioskSettings): string {
  const embedder = embedderForModelId(settings.recognition.modelId);
  return modelIdFor(embedder, embedder === 'fr_feature' ? DEFAULT_PIPELINE.mirror : false);
}

export interface FaceRecognizerOptions {
  store: AgentStore;
  engine: FaceEngine;
  /** The hub's settings (threshold and margin apply when they are for this engine's model). */
  settings: () => TKioskSettings;
}

export interface FaceRecognizer extends Recognizer {
  /** Templates in the gallery now (after the last reload). */
  readonly templateCount: number;
  /** The last frame's match, for logs and the screens ("unknown: below threshold"). */
  readonly lastMatch: MatchResult | undefined;
  close(): Promise<void>;
}

/**
 * Starts the face engine for the model the hub's settings name (fr_feature by default) and
 * returns a recognizer over this kiosk's templates.
 *
 * @example
 * const recognizer = await startFaceRecognizer({ store, settings: () => loadSettings(store) });
 * await runAgent({ store, frameSource, recognizer });
 */
export async function startFaceRecognizer(options: {
  store: AgentStore;
  settings: () => TKioskSettings;
}): Promise<FaceRecognizer> {
  const embedder = embedderForModelId(options.settings().recognition.modelId);
  const engine = await FaceEngine.start({
    embedder,
    detector: embedder === 'faceres' ? 'human' : 'ultraface',
  });
  return createFaceRecognizer({ ...options, engine });
}

export function createFaceRecognizer(options: FaceRecognizerOptions): FaceRecognizer {
  const { store, engine } = options;
  let gallery: FaceGallery | undefined;
  /** The roster stamp the gallery was built from; null = not built yet (or wiped). */
  let loadedStamp: string | undefined | null = null;
  let lastMatch: MatchResult | undefined;

  function matchOptions(): MatchOptions {
    const recognition = options.settings().recognition;
    if (recognition.modelId === engine.modelId) {
      return { threshold: recognition.matchThreshold, margin: recognition.margin };
    }
    return embedderForModelId(engine.modelId) === 'faceres' ? FACERES_MATCH : FR_FEATURE_MATCH;
  }

  /** Changes whenever a roster delta is applied (the cursor moves) or templates are wiped. */
  function rosterStamp(): string | undefined {
    const identity = findDeviceIdentity(store.db);
    if (!identity || identity.revokedAt || store.keyState.status !== 'ready') return undefined;
    return `${identity.deviceId}|${findCursor(store.db, { name: ROSTER_CURSOR }) ?? ''}|${countTemplates(store.db)}`;
  }

  function wipeGallery(): void {
    gallery?.wipe();
  }

  async function reloadIfRosterChanged(): Promise<void> {
    const stamp = rosterStamp();
    if (stamp === loadedStamp) return;
    wipeGallery();
    loadedStamp = stamp;
    if (stamp === undefined || store.keyState.status !== 'ready') return;
    const identity = findDeviceIdentity(store.db)!;
    const { templates, failedIds } = listTemplates(store.db, {
      orgId: identity.orgId,
      modelId: engine.modelId,
      dataKey: store.keyState.key,
    });
    for (const id of failedIds) {
      insertSecurityEvent(store.db, {
        kind: 'crypt_decrypt_fail',
        at: new Date(),
        details: { templateId: id },
      });
    }
    const dimension = templates[0]?.embedding.length;
    if (dimension !== undefined && (!gallery || gallery.dim !== dimension)) {
      await gallery?.close();
      gallery = await FaceGallery.create(engine.modelId, dimension);
    }
    for (const template of templates) {
      if (template.embedding.length === gallery!.dim) gallery!.add(template.employeeId, template.embedding);
      template.embedding.fill(0);
    }
  }

  return {
    get modelId() {
      return engine.modelId;
    },
    get templateCount() {
      return gallery?.size ?? 0;
    },
    get lastMatch() {
      return lastMatch;
    },
    async recognize(frame: Frame): Promise<RecognitionResult> {
      await reloadIfRosterChanged();
      const analysis = await engine.analyze(
        new Uint8Array(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength),
        {
          pick: 'largest',
        },
      );
      const liveness = analysis.passive?.combined ?? 0;
      const observation = toObservation(analysis);
      const seen = observation ? { observation } : {};
      if (!analysis.template) {
        lastMatch = undefined;
        return { employeeId: null, score: 0, liveness, modelId: engine.modelId, ...seen };
      }
      if (!gallery || gallery.size === 0) {
        lastMatch = { status: 'unknown', reason: 'empty-gallery' };
        return { employeeId: null, score: 0, liveness, modelId: engine.modelId, ...seen };
      }
      lastMatch = await gallery.identify(analysis.template.vector, matchOptions());
      return {
        employeeId: lastMatch.status === 'match' ? lastMatch.personId! : null,
        score: Math.max(0, lastMatch.best?.score ?? 0),
        liveness,
        modelId: engine.modelId,
        ...seen,
      };
    },
    wipe(): void {
      wipeGallery();
      loadedStamp = null;
    },
    async close(): Promise<void> {
      wipeGallery();
      await gallery?.close();
      gallery = undefined;
      await engine.close();
    },
  };
}

export interface BackgroundFaceRecognizer extends Recognizer {
  /** The started recognizer, or undefined when the engine could not start. */
  readonly ready: Promise<FaceRecognizer | undefined>;
  /** Frames so far: matched to an employee, a face nobody matched, no usable face (or no engine). */
  readonly tally: { matched: number; unknown: number; noFace: number };
  close(): Promise<void>;
}

/**
 * Starts the engine without blocking the caller: sync and PIN punches run while the models load
 * (seconds on a busy CPU, every agent start). Frames wait for the engine; if it cannot start
 * (model files missing, worker failed), frames are read but not matched.
 *
 * When the hub's settings name another model (the org switched its embedder), the next frame
 * starts an engine for that model and the old one is closed: from then on only templates of the
 * new model id are compared, without an agent restart.
 */
export function startFaceRecognizerInBackground(options: {
  store: AgentStore;
  settings: () => TKioskSettings;
  onStarted?: (recognizer: FaceRecognizer) => void;
  onFailed?: (error: unknown) => void;
}): BackgroundFaceRecognizer {
  const tally = { matched: 0, unknown: 0, noFace: 0 };
  let modelId = expectedModelId(options.settings());
  let started: FaceRecognizer | undefined;
  let isClosed = false;

  function start(): Promise<FaceRecognizer | undefined> {
    return startFaceRecognizer(options).then(
      (recognizer) => {
        if (isClosed) {
          void recognizer.close();
          return undefined;
        }
        started = recognizer;
        options.onStarted?.(recognizer);
        return recognizer;
      },
      (error: unknown) => {
        options.onFailed?.(error);
        return undefined;
      },
    );
  }

  let ready = start();

  /** A model change in the settings: the old engine goes, the new one starts (frames wait for it). */
  function followModelChange(): void {
    const wanted = expectedModelId(options.settings());
    if (wanted === modelId) return;
    modelId = wanted;
    const previous = ready;
    started = undefined;
    ready = previous.then(async (recognizer) => {
      await recognizer?.close();
      return start();
    });
  }

  return {
    get modelId() {
      return modelId;
    },
    get ready() {
      return ready;
    },
    tally,
    async recognize(frame: Frame): Promise<RecognitionResult> {
      followModelChange();
      const recognizer = await ready;
      if (!recognizer) {
        tally.noFace += 1;
        return { employeeId: null, score: 0, liveness: 0, modelId };
      }
      const result = await recognizer.recognize(frame);
      if (result.employeeId) tally.matched += 1;
      else if (recognizer.lastMatch) tally.unknown += 1;
      else tally.noFace += 1;
      return result;
    },
    wipe(): void {
      // Before the engine is up there is no gallery yet; it loads from the (wiped) store.
      started?.wipe();
    },
    async close(): Promise<void> {
      isClosed = true;
      await (await ready)?.close();
    },
  };
}
