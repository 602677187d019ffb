/**
 * The cdktn flavour, `cdktn-docker-messaging`, in a fresh `cdktn init`
 * project (tarball-suite.ts says what is run).
 */
import { CDKTN } from "./flavours";
import { tarballSuite } from "./tarball-suite";

jest.setTimeout(900_000);

tarballSuite(CDKTN);
