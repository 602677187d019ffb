#!/usr/bin/env node
/**
 * cdktf-messaging-images [rabbitmq|kafka|node|prometheus|alertmanager ...]: builds the
 * default images (DefaultImages) on the local Docker engine under the
 * official names and layouts, from Debian packages, Maven Central jars, the
 * npm registry and Go modules (Prometheus and Alertmanager, built with the
 * host's Go): no image registry is pulled from. Each is rebuilt only
 * when its recipe changes. Needs root (debootstrap, chroot) and a running
 * Docker engine; `cdktf-messaging-setup` does this and more.
 */
import { runToolchainScript } from "./toolchain-script";

runToolchainScript("images.sh", process.argv.slice(2));
