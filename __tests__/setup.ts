// Adds cdktf's Jest matchers (toHaveResourceWithProperties, toBeValidTerraform, ...).
import { Testing } from "cdktf";
Testing.setupJest();
