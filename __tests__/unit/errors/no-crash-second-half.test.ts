/** No input crashes synth, the second half of the sites (no-crash.test.ts says what is tested; no-crash-sites.ts has the cases). */
import { describeNoCrash } from "./no-crash-sites";

describeNoCrash(1);
