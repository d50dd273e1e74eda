import { declaredImages, uniqueImages } from "../type-hinting/output-hints.ts";
import type { FormatWarning } from "../type-hinting/format-warning.ts";
import type { ImageReference } from "../type-hinting/image-reference.ts";
import { runResults } from "../type-hinting/run-view.ts";

/**
 * The OCI images a TaskRun declares through its results (IMAGE_* pairs, IMAGES, OCI build
 * artifacts), de-duplicated on `<repository>@<digest>`: what the `oci` artifact signs.
 */
export const imagesToSign = (
  taskRun: unknown,
): { readonly images: ReadonlyArray<ImageReference>; readonly warnings: ReadonlyArray<FormatWarning> } => {
  const warnings: Array<FormatWarning> = [];
  const images = uniqueImages(declaredImages(runResults(taskRun), (w) => warnings.push(w)));
  return { images, warnings };
};
