/**
 * A test double of an antivirus stage, NOT an antivirus: it reports the EICAR anti-malware test
 * string (https://www.eicar.org/download-anti-malware-testfile/), which every scanner detects by
 * convention, so that the tests can drive the stage interface's quarantine path end to end. A real
 * engine (ClamAV and its signature database) is what issue 19 item 4 leaves open.
 */
import { readFile } from "node:fs/promises";
import type { ContentStage } from "../../../functions/image-scrub/scrub-engine";

/** The EICAR test string, assembled at run time so that no file of the project contains it whole. */
export const EICAR = ["X5O!P%@AP[4\\PZX54(P^)7CC)7}$", "EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"].join("");

export const eicarStage: ContentStage = {
  name: "eicar-test-stage",
  async inspect(file) {
    const bytes = await readFile(file);
    return bytes.includes(EICAR)
      ? { pass: false, reason: "malware", message: "the EICAR test signature was found" }
      : { pass: true };
  },
};
