/** The container fields of a service: `image:` (run as is) or `dockerfile:` (built on the host per release). */
import { z } from 'zod';
import { envValue, envVarName } from './schema-fields.js';
import { tag } from './schema-meta.js';

/**
 * An image reference as Docker and Podman take it: [host[:port]/]path[:tag][@sha256:digest],
 * the path in lower case. Checked here so a typo is a config error, not an engine error mid-deploy.
 */
export const IMAGE_REF_PATTERN =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]{1,5})?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;

const imageRef = tag(z.string().max(255).regex(IMAGE_REF_PATTERN), {
  code: 'SLW_CONFIG_IMAGE_NAME',
  expected: 'an image reference such as "nginx:1.27" or "localhost/app:v2" (lower-case name, optional :tag)',
  quoteValue: true,
});

const relativePath = z.string().min(1);

export const containerFields = {
  image: imageRef.optional().describe('Run this image (NAME[:TAG], already on the engine or pullable by it) with the container driver; no build.'),
  dockerfile: relativePath
    .optional()
    .describe('Build this Dockerfile (relative to slipway.yaml) on the host for every release, into an image tagged per project/service/release, and run it with the container driver.'),
  context: relativePath.optional().describe('Build context of `dockerfile`, relative to slipway.yaml (default: the Dockerfile\'s directory).'),
  target: z.string().min(1).max(128).optional().describe('Stage of a multi-stage Dockerfile to build (default: the last).'),
  buildArgs: z.record(envVarName, envValue).optional().describe('Build arguments (ARG) of `dockerfile`; secret references are refused here, since build arguments stay in the image\'s history.'),
};
