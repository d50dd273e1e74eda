import { Data, Result } from "effect";

/** An OCI image by digest, its repository normalised as go-containerregistry does. */
export interface ImageReference {
  /** e.g. `index.docker.io/library/ubuntu`: registry and repository, no tag, no digest. */
  readonly repository: string;
  /** `sha256:<64 hex>`. */
  readonly digest: string;
}

export class InvalidImageReference extends Data.TaggedError("InvalidImageReference")<{
  readonly reference: string;
  readonly reason: string;
}> {
  override get message(): string {
    return `invalid image reference ${JSON.stringify(this.reference)}: ${this.reason}`;
  }
}

const defaultRegistry = "index.docker.io";
const tagPattern = /^[A-Za-z0-9_.-]{1,128}$/;
const repositoryPattern = /^[a-z0-9_./-]{2,255}$/;
const authorityPattern = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=%]+|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/;

/** `name.NewDigest` with weak validation: `repo[:tag]@sha256:<hex>`. */
export const parseImageReference = (reference: string): Result.Result<ImageReference, InvalidImageReference> => {
  const fail = (reason: string) => Result.fail(new InvalidImageReference({ reference, reason }));
  const parts = reference.split("@");
  if (parts.length !== 2) return fail("a digest reference must contain exactly one '@'");
  let base = parts[0]!;
  const digest = parts[1]!;
  if (!digest.startsWith("sha256:")) return fail("unsupported digest algorithm (only sha256)");
  if (!/^[a-f0-9]{64}$/.test(digest.slice("sha256:".length))) return fail("the sha256 digest must be 64 lowercase hex characters");
  const segments = base.split(":");
  const last = segments[segments.length - 1]!;
  if (segments.length > 1 && !last.includes("/") && tagPattern.test(last)) base = segments.slice(0, -1).join(":");
  if (base === "") return fail("the repository is empty");
  const slash = base.indexOf("/");
  let registry = "";
  let repository = base;
  if (slash >= 0) {
    const first = base.slice(0, slash);
    if (first.includes(".") || first.includes(":") || first === "localhost") {
      registry = first;
      repository = base.slice(slash + 1);
    }
  }
  if (!repositoryPattern.test(repository))
    return fail("the repository must be 2-255 characters of [a-z0-9_./-]");
  if (registry === "" || registry === "docker.io") registry = defaultRegistry;
  if (!authorityPattern.test(registry)) return fail(`the registry ${JSON.stringify(registry)} is not a valid host[:port]`);
  if (registry === defaultRegistry && !repository.includes("/")) repository = `library/${repository}`;
  return Result.succeed({ repository: `${registry}/${repository}`, digest });
};

/** `<repository>@sha256:<hex>`: the key images are de-duplicated on. */
export const imageKey = (image: ImageReference): string => `${image.repository}@${image.digest}`;
