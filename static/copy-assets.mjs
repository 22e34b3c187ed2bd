// Copies GOV.UK Frontend's JavaScript next to our stylesheet, so the site serves it from its
// own address (nothing fetched from another site) and whitenoise can fingerprint it.
import { copyFileSync, mkdirSync } from "node:fs";

mkdirSync("static/build", { recursive: true });
copyFileSync("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js", "static/build/govuk-frontend.min.js");
// Its source map too: the file ends with a sourceMappingURL comment, which a manifest static
// storage follows and would fail on if the map were missing.
copyFileSync(
  "node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js.map",
  "static/build/govuk-frontend.min.js.map",
);
