// cdktf's Jest matchers (toHaveResource, toHaveResourceWithProperties, ...). They take synthesized JSON text.
import { setupJest } from "cdktf/lib/testing/adapters/jest";

setupJest();
