// Payment pages: a Print button, and buttons that submit once (a second tap while the first
// is on its way would only replay the same idempotency key, but it should not look possible).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
document.addEventListener("submit", (event) => {
  const button = event.target.querySelector("button[data-once]");
  if (!button) return;
  if (button.dataset.sent) {
    event.preventDefault();
    return;
  }
  button.dataset.sent = "1";
  button.setAttribute("aria-disabled", "true");
});
