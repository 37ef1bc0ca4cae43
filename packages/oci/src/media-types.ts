// Media types of OCI and Docker manifests, and of the artifacts Flux and Helm push.

/** OCI image manifest. */
export const OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
/** OCI image index (multi-platform). */
export const OCI_INDEX = "application/vnd.oci.image.index.v1+json";
/** Docker v2 schema 2 manifest. */
export const DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
/** Docker v2 manifest list. */
export const DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
/** The `Accept` header of a manifest request: every manifest kind the client understands. */
export const MANIFEST_ACCEPT = [OCI_MANIFEST, DOCKER_MANIFEST, OCI_INDEX, DOCKER_MANIFEST_LIST].join(", ");
/** Flux's (`flux push artifact`) config media type. */
export const FLUX_CONFIG = "application/vnd.cncf.flux.config.v1+json";
/** Flux's tar.gz content layer. */
export const FLUX_CONTENT = "application/vnd.cncf.flux.content.v1.tar+gzip";
/** Helm chart config (`helm push`). */
export const HELM_CHART_CONFIG = "application/vnd.cncf.helm.config.v1+json";
/** Helm chart content layer (`helm push`). */
export const HELM_CHART_CONTENT = "application/vnd.cncf.helm.chart.content.v1.tar+gzip";
/** Helm chart provenance layer. */
export const HELM_CHART_PROVENANCE = "application/vnd.cncf.helm.chart.provenance.v1.prov";
