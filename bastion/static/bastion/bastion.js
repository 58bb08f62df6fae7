// Start GOV.UK Frontend's components on every page, and the idle lock for signed-in users.
import { initAll } from "/static/dist/govuk-frontend.min.js";
import { startIdleLock } from "./idle.js";

document.body.classList.add("govuk-frontend-supported");
initAll();
keepFocusOnErrorSummary();
startIdleLock();

// The error summary focuses itself when started, but a form used after the skip link posts back
// to ".../#main-content", and the browser's jump to that fragment once the page has loaded would
// take the focus back to the page itself: the summary keeps it.
function keepFocusOnErrorSummary() {
  const summary = document.querySelector('[data-module="govuk-error-summary"]');
  if (!summary || !location.hash) return;
  history.replaceState(history.state, "", location.pathname + location.search);
  const refocus = () => {
    if (document.activeElement === document.body || !document.activeElement) summary.focus();
  };
  if (document.readyState === "complete") refocus();
  else window.addEventListener("load", () => setTimeout(refocus), { once: true });
}
