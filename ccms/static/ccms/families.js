// The child-file checklist's Print button; inline handlers are not allowed by our content policy.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
