/**
 * The seam to the face pipeline. The agent's frame loop depends only on this interface; the
 * implementation over packages/face (FaceEngine + FaceGallery over the kiosk's decrypted
 * templates) is in ../recognition/face-recognizer.ts.
 */
import type { FrameObservation } from '@clockface/face';
import type { Frame } from './frame-sources';

export interface RecognitionResult {
  /** The matched employee, or null for "no face" or "unknown face" (never forced onto the nearest one). */
  employeeId: string | null;
  /** Match score 0..1 (cosine similarity mapped by the pipeline). */
  score: number;
  /** Liveness / anti-spoof score 0..1. */
  liveness: number;
  modelId: string;
  /**
   * What the active attack check needs from this frame (face box, pose, eye openness), when a
   * face was found, even one that was not identified (closed eyes fail the quality gate).
   */
  observation?: FrameObservation;
}

export interface Recognizer {
  readonly modelId: string;
  recognize(frame: Frame): Promise<RecognitionResult>;
  /** Zeroes the in-memory templates (BIO-09): called on revocation and consent withdrawal. */
  wipe(): void;
}

export {
  createFaceRecognizer,
  embedderForModelId,
  expectedModelId,
  startFaceRecognizer,
  startFaceRecognizerInBackground,
  type BackgroundFaceRecognizer,
  type FaceRecognizer,
  type FaceRecognizerOptions,
} from '../recognition/face-recognizer';
