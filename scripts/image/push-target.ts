import type { RepositoryRef } from "../../src/ports/oci-registry.ts";

/** Where `--push` sends the image: a repository and, optionally, a tag to point at it. */
export interface PushTarget extends RepositoryRef {
  readonly tag?: string;
}

const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const repositoryPattern = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/**
 * `REGISTRY/REPO[:TAG]`. The registry must be named (a host with a dot or a port, or `localhost`),
 * since an image pushed to an implied Docker Hub by mistake is a leak, not a convenience.
 */
export const parsePushTarget = (reference: string): PushTarget | string => {
  const slash = reference.indexOf("/");
  const registry = slash < 0 ? "" : reference.slice(0, slash);
  if (!(registry.includes(".") || registry.includes(":") || registry === "localhost")) {
    return `${reference}: name the registry, as in registry.example.com/team/chains-ts:v1 or 127.0.0.1:5000/chains-ts`;
  }
  let repository = reference.slice(slash + 1);
  let tag: string | undefined;
  const colon = repository.lastIndexOf(":");
  if (colon >= 0) {
    tag = repository.slice(colon + 1);
    repository = repository.slice(0, colon);
    if (!tagPattern.test(tag)) return `${reference}: "${tag}" is not a valid tag`;
  }
  if (!repositoryPattern.test(repository)) return `${reference}: "${repository}" is not a valid repository name (lowercase, /-separated)`;
  return { registry: registry === "docker.io" ? "index.docker.io" : registry, repository, ...(tag === undefined ? {} : { tag }) };
};
