// Start GOV.UK Frontend's components on every page.
import { initAll } from "/static/dist/govuk-frontend.min.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
