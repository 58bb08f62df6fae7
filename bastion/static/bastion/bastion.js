// Start GOV.UK Frontend's components on every page, and the idle lock for signed-in users.
import { initAll } from "/static/dist/govuk-frontend.min.js";
import { startIdleLock } from "./idle.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
startIdleLock();
