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

// On a phone the tab bar scrolls sideways; bring the current page's tab into view.
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.querySelector("nav.tabs");
  const current = bar && bar.querySelector("[aria-current]");
  if (current && bar.scrollWidth > bar.clientWidth) {
    const tab = current.getBoundingClientRect();
    const left = tab.left - bar.getBoundingClientRect().left;
    bar.scrollLeft += left - (bar.clientWidth - tab.width) / 2;
  }
});
