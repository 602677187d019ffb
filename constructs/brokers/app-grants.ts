/**
 * The grants of a broker's wired apps: what each app's own user may do,
 * by app name, made on the app's first wiring and read by the kind's
 * set-up job.
 */

/**
 * What each wired app's user may do (a kind's grant `G`), by app name, in
 * the order of the apps' first wirings. `of` makes an app's grant when it is
 * first wired; the set-up job reads the map at synth.
 */
export class AppGrants<G> extends Map<string, G> {
  /** `emptyGrant` makes the grant of an app not wired yet. */
  public constructor(private readonly emptyGrant: () => G) {
    super();
  }

  /** The grant of the app `appName`, made empty on its first use. */
  public of(appName: string): G {
    let grant = this.get(appName);
    if (grant === undefined) {
      grant = this.emptyGrant();
      this.set(appName, grant);
    }
    return grant;
  }
}
