// Close an open menu when the user clicks elsewhere or presses Escape.
document.addEventListener("click", (event) => {
  document.querySelectorAll("details.switcher[open], details.account[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details[open]").forEach((menu) => menu.removeAttribute("open"));
});

// Bars take their width from data-width; inline styles are not allowed by our content policy.
function sizeBars(root) {
  root.querySelectorAll("[data-width]").forEach((bar) => {
    bar.style.width = Math.max(0, Math.min(100, Number(bar.dataset.width))) + "%";
  });
}
document.addEventListener("DOMContentLoaded", () => sizeBars(document));
document.addEventListener("htmx:afterSwap", (event) => sizeBars(event.target));

function sizeColumns(root) {
  root.querySelectorAll("[data-height]").forEach((bar) => {
    bar.style.height = Math.max(0, Math.min(100, Number(bar.dataset.height))) + "%";
  });
}
document.addEventListener("DOMContentLoaded", () => sizeColumns(document));
document.addEventListener("htmx:afterSwap", (event) => sizeColumns(event.target));
