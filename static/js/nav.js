/* Site header: on narrow screens one "Menu" button opens the navigation; on wide screens
   the account's pages sit under one button. Both are disclosure buttons (aria-expanded):
   Escape closes the open one and returns focus to its button; a click or focus outside
   closes the account menu. Without this script the menu stays open and the account's
   links are listed in the header. */
(function () {
  "use strict";
  document.documentElement.classList.add("js-nav");

  function disclosure(button, panel, options) {
    var container = options.container || panel;
    function isOpen() { return button.getAttribute("aria-expanded") === "true"; }
    function setOpen(open, returnFocus) {
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (!open && returnFocus) { button.focus(); }
    }
    button.addEventListener("click", function () { setOpen(!isOpen(), false); });
    container.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && isOpen()) {
        event.preventDefault();
        event.stopPropagation();
        setOpen(false, true);
      }
    });
    if (options.closeOutside) {
      document.addEventListener("click", function (event) {
        if (isOpen() && !container.contains(event.target)) { setOpen(false, false); }
      });
      container.addEventListener("focusout", function (event) {
        if (isOpen() && event.relatedTarget && !container.contains(event.relatedTarget)) {
          setOpen(false, false);
        }
      });
    }
    return setOpen;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var header = document.querySelector(".site-header");
    var menuButton = document.getElementById("menu-toggle");
    var menu = document.getElementById("site-menu");
    if (header && menuButton && menu) {
      disclosure(menuButton, menu, { container: header, closeOutside: false });
    }
    var accountButton = document.getElementById("account-toggle");
    var accountPanel = document.getElementById("account-panel");
    var account = document.getElementById("account-menu");
    if (accountButton && accountPanel && account) {
      disclosure(accountButton, accountPanel, { container: account, closeOutside: true });
    }
  });
})();
