/* No htmx requests while the phone is offline. Inline validation asks the laptop about a field as it
 * changes; with no network there is nobody to ask (the form is checked again when it is delivered),
 * so do not try and fill the console with errors. This holds for every htmx request, boosted links
 * included. (The laptop's own browser always reaches its server: page.js.) */
import { mayReachLaptop } from "./page.js";

document.addEventListener("htmx:beforeRequest", (event) => { if (!mayReachLaptop()) event.preventDefault(); });

/* Nothing to do for content as it arrives: the guard is on the document. */
export function init() {}
