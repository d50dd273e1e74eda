import type { ResourceType } from "./resource-catalog.ts";

/** A `metav1.Status` failure, shaped like the real API server's. */
export interface StatusBody {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure" | "Success";
  readonly message?: string;
  readonly reason?: string;
  readonly details?: Record<string, unknown>;
  readonly code: number;
}

/** Thrown by operations; the HTTP layer turns it into a Status response. */
export class ApiError extends Error {
  readonly status: StatusBody;
  constructor(status: StatusBody) {
    super(status.message ?? status.reason ?? `HTTP ${status.code}`);
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
}

export const statusBody = (
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): StatusBody => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  message,
  reason,
  ...(details === undefined ? {} : { details }),
  code,
});

const qualified = (type: ResourceType): string => (type.group === "" ? type.plural : `${type.plural}.${type.group}`);

const objectDetails = (type: ResourceType, name: string): Record<string, unknown> => ({
  name,
  ...(type.group === "" ? {} : { group: type.group }),
  kind: type.plural,
});

export const notFound = (type: ResourceType, name: string): ApiError =>
  new ApiError(statusBody(404, "NotFound", `${qualified(type)} "${name}" not found`, objectDetails(type, name)));

export const alreadyExists = (type: ResourceType, name: string): ApiError =>
  new ApiError(statusBody(409, "AlreadyExists", `${qualified(type)} "${name}" already exists`, objectDetails(type, name)));

export const conflict = (type: ResourceType, name: string, why: string): ApiError =>
  new ApiError(
    statusBody(409, "Conflict", `Operation cannot be fulfilled on ${qualified(type)} "${name}": ${why}`, objectDetails(type, name)),
  );

export const modifiedConflict = (type: ResourceType, name: string): ApiError =>
  conflict(type, name, "the object has been modified; please apply your changes to the latest version and try again");

export const badRequest = (message: string): ApiError => new ApiError(statusBody(400, "BadRequest", message));

export const invalid = (type: ResourceType, name: string, field: string, message: string): ApiError =>
  new ApiError(
    statusBody(422, "Invalid", `${type.kind} "${name}" is invalid: ${field}: ${message}`, {
      ...objectDetails(type, name),
      causes: [{ reason: "FieldValueInvalid", message, field }],
    }),
  );

export const unsupportedMediaType = (message: string): ApiError =>
  new ApiError(statusBody(415, "UnsupportedMediaType", message));

export const methodNotAllowed = (message: string): ApiError => new ApiError(statusBody(405, "MethodNotAllowed", message));

export const expired = (message: string): ApiError => new ApiError(statusBody(410, "Expired", message));

export const genericNotFound = (path: string): ApiError =>
  new ApiError(statusBody(404, "NotFound", `the server could not find the requested resource (${path})`, {}));
