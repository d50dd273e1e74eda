import { signatureAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { signatureText } from "./signature-command-help.ts";
import { storedArtifactCommand } from "./stored-run-artifact.ts";

export const signatureCommand = storedArtifactCommand({ ...signatureText, annotation: signatureAnnotation });
