/**
 * The OIDC issuer an organisation's members sign in with (one per organisation): issuer URL, the
 * client registered there (its secret is needed for the console's code flow, so it is kept, like
 * the tokens' configuration, in the operator's database), an optional fixed JWKS instead of the
 * issuer's discovered one, and the claim that carries the member's userName.
 */
import type { Knex } from "knex";

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("orgs", (t) => {
    t.text("oidc_issuer").nullable();
    t.string("oidc_client_id", 400).nullable();
    t.text("oidc_client_secret").nullable();
    t.text("oidc_jwks_json").nullable();
    t.string("oidc_username_claim", 100).nullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("orgs", (t) => {
    for (const column of ["oidc_issuer", "oidc_client_id", "oidc_client_secret", "oidc_jwks_json", "oidc_username_claim"]) t.dropColumn(column);
  });
}
