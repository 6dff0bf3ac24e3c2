// The kiosk at the door. Inline scripts are not allowed by our content policy, so the kiosk's
// behaviour lives here: the number pad fills the PIN field, keys typed anywhere (a keyboard or
// a QR scanner, which types like one) go to the PIN field, and after a check-in, or a while
// without a tap, the kiosk goes back to the PIN pad so the next family starts clean.
(function () {
  "use strict";
  let idleTimer = null;

  function pinField() {
    return document.getElementById("kiosk-pin");
  }

  function submitPin() {
    const field = pinField();
    if (field && field.form) field.form.requestSubmit();
  }

  document.addEventListener("click", (event) => {
    const key = event.target.closest(".pinpad button");
    const field = pinField();
    if (!key || !field) return;
    if (key.dataset.digit) field.value += key.dataset.digit;
    else if (key.dataset.key === "back") field.value = field.value.slice(0, -1);
    else if (key.dataset.key === "clear") field.value = "";
  });

  // Keys pressed while no text field has focus still reach the PIN field: on a tablet the
  // field is not focused (that would open the on-screen keyboard over the pad).
  document.addEventListener("keydown", (event) => {
    const field = pinField();
    if (!field || event.target === field || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target.matches && event.target.matches("input, textarea, select")) return;
    if (event.key === "Enter") {
      event.preventDefault();
      submitPin();
    } else if (event.key === "Backspace") {
      event.preventDefault();
      field.value = field.value.slice(0, -1);
    } else if (event.key.length === 1) {
      event.preventDefault();
      field.value += event.key;
    }
  });

  function armReturn() {
    clearTimeout(idleTimer);
    const step = document.querySelector("#kiosk [data-return-after]");
    if (!step) return;
    const back = step.querySelector("[data-return]");
    const seconds = Number(step.dataset.returnAfter) || 60;
    if (back) idleTimer = setTimeout(() => back.click(), seconds * 1000);
  }

  function settle() {
    armReturn();
    const field = pinField();
    const touch = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    if (field && !touch) field.focus();
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (!document.getElementById("kiosk")) return;
    // A QR card opened by the camera put its code in the address; do not leave it there.
    if (window.location.search.includes("code=")) {
      window.history.replaceState(null, "", window.location.pathname);
    }
    settle();
    tick();
  });
  document.addEventListener("htmx:afterSwap", (event) => {
    if (event.target.id === "kiosk") settle();
  });
  // The back button stays on the kiosk: the page before it was a staff page. Browsers skip
  // history entries added without a tap, so the guard entry is added at the first tap.
  let guarded = false;
  function guardBack() {
    if (guarded || !document.getElementById("kiosk")) return;
    guarded = true;
    window.history.pushState({ kiosk: true }, "", window.location.href);
    window.addEventListener("popstate", () => {
      window.history.pushState({ kiosk: true }, "", window.location.href);
    });
  }
  ["pointerdown", "keydown"].forEach((name) => document.addEventListener(name, guardBack));

  // Any tap or key restarts the wait on the family's screen.
  ["pointerdown", "keydown"].forEach((name) =>
    document.addEventListener(name, () => {
      if (document.querySelector("#kiosk [data-return-after]")) armReturn();
    }),
  );

  function tick() {
    const clock = document.querySelector("[data-clock]");
    if (!clock) return;
    try {
      clock.textContent = new Date().toLocaleTimeString("en-US", {
        hour: "numeric",
        minute: "2-digit",
        timeZone: clock.dataset.tz || undefined,
      });
    } catch (error) {
      // An unknown time zone name: keep the server's time.
    }
    setTimeout(tick, 15000);
  }

  // The QR cards page prints only the cards.
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-print-cards]")) window.print();
  });
})();
