// Progressive enhancement only: every page works without this file. Browsers that run ES
// modules get GOV.UK Frontend's behaviour, such as the error summary taking focus.
import { initAll } from "../build/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
