#!/usr/bin/env node
/**
 * cdktf-messaging-setup: everything a host without Docker Hub or the
 * Terraform registry needs to deploy these constructs, each step skipped
 * when its result is already there: a Docker engine (Debian's docker.io,
 * started when no daemon answers), Terraform's provider kreuzwerker/docker
 * in a local filesystem mirror, and the default images under their official
 * names. Then point Terraform at the mirror in your shell:
 *
 *   . node_modules/cdktf-docker-messaging/toolchain/env.sh
 *
 * Needs root on Debian 12 or later (apt-get, debootstrap, Go, Maven, npm).
 */
import { runToolchainScript } from "./toolchain-script";

runToolchainScript("setup.sh", process.argv.slice(2));
