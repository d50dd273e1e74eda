import { goJson } from "../serialization/go-json.ts";
import type { GoValue } from "../serialization/go-value.ts";
import type { ImageReference } from "../type-hinting/image-reference.ts";

/**
 * The cosign simple-signing payload of one image (Go JSON, fields in declaration order,
 * `optional` always null, no trailing newline). Signed raw, not DSSE-wrapped.
 */
export const simpleSigningPayload = (image: ImageReference): string =>
  goJson(
    new Map<string, GoValue>([
      [
        "critical",
        new Map<string, GoValue>([
          ["identity", new Map<string, GoValue>([["docker-reference", image.repository]])],
          ["image", new Map<string, GoValue>([["docker-manifest-digest", image.digest]])],
          ["type", "cosign container image signature"],
        ]),
      ],
      ["optional", null],
    ]),
  );
