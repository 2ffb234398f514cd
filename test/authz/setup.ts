/** Vitest setup file (every test file): records AWS requests for the authorization proof (recorder.ts). */
import { installRecorder } from "./recorder";

installRecorder();
