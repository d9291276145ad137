/* A print button ([data-print], e.g. on the QR sheet): the page is drawn with the button hidden, since
 * without a script it cannot print (the browser's own Print still does); here it is shown and prints.
 * A module, not an inline onclick: the CSP forbids inline scripts. */
import { within } from "./page.js";

document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

export function init(root) {
  for (const button of within(root, "[data-print]")) button.hidden = false;
}
