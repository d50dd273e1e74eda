import { payloadAnnotation } from "../../domain/annotations/chains-annotations.ts";
import { payloadText } from "./payload-command-help.ts";
import { storedArtifactCommand } from "./stored-run-artifact.ts";

export const payloadCommand = storedArtifactCommand({ ...payloadText, annotation: payloadAnnotation });
