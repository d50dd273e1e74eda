import type { ChainsConfig, StorageBackendName } from "./chains-config.ts";

/** Where a storage backend keeps what it stores, for a user looking for a run's signature. */
export const storageLocation = (backend: StorageBackendName, config: ChainsConfig): string => {
  const storage = config.storage;
  switch (backend) {
    case "tekton":
      return "the run's own annotations";
    case "oci":
      return storage.oci.repository === ""
        ? "the registry, next to each image the run built ('cosign download attestation IMAGE')"
        : `the registry, in ${storage.oci.repository} ('cosign download attestation IMAGE')`;
    case "gcs":
      return `the GCS bucket ${storage.gcs.bucket === "" ? "(storage.gcs.bucket is unset)" : `gs://${storage.gcs.bucket}`}`;
    case "docdb":
      return `the document store ${storage.docdb.url === "" ? "(storage.docdb.url is unset)" : storage.docdb.url}`;
    case "grafeas":
      return `Grafeas occurrences of project ${storage.grafeas.projectId === "" ? "(storage.grafeas.projectid is unset)" : storage.grafeas.projectId}`;
    case "archivista":
      return `Archivista at ${storage.archivista.url === "" ? "(storage.archivista.url is unset)" : storage.archivista.url}`;
    case "pubsub":
      return `messages on the ${storage.pubsub.provider === "" ? "pubsub" : storage.pubsub.provider} topic ${storage.pubsub.topic === "" ? "(storage.pubsub.topic is unset)" : storage.pubsub.topic}, which keeps no copy to read back`;
  }
};
