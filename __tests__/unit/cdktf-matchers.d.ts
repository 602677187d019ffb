// Types of cdktf's Jest matchers (registered at run time by __tests__/setup.ts).
// cdktf declares them on `jest.Matchers<R>`, but @types/jest 30 declares
// `Matchers<R, T>`: the type parameters differ, so cdktf's augmentation does
// not merge. This one does; it is global, so every test folder gets it.
import type { TerraformConstructor } from "cdktf/lib/testing/matchers";

declare global {
  namespace jest {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type -- must be @types/jest's own parameters to merge
    interface Matchers<R, T = {}> {
      toHaveResource(resourceConstructor: TerraformConstructor): R;
      toHaveResourceWithProperties(resourceConstructor: TerraformConstructor, properties: Record<string, any>): R;
      toHaveDataSource(dataSourceConstructor: TerraformConstructor): R;
      toHaveDataSourceWithProperties(dataSourceConstructor: TerraformConstructor, properties: Record<string, any>): R;
      toHaveProvider(providerConstructor: TerraformConstructor): R;
      toHaveProviderWithProperties(providerConstructor: TerraformConstructor, properties: Record<string, any>): R;
      toBeValidTerraform(): R;
      toPlanSuccessfully(): R;
    }
  }
}
