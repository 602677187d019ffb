/**
 * The cdktf flavour, `cdktf-docker-messaging`, in a fresh `cdktf init`
 * project; once deployed, the project moves to the cdktn flavour the way the
 * README says and plans no change (tarball-suite.ts says what is run).
 */
import { CDKTF, CDKTN } from "./flavours";
import { tarballSuite } from "./tarball-suite";

jest.setTimeout(900_000);

tarballSuite(CDKTF, { migrateTo: CDKTN });
