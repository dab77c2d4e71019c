// The customer's quote page: the Print button prints it (the print stylesheet hides the buttons).
document.addEventListener("click", (event) => {
  if (event.target instanceof Element && event.target.closest("[data-print]")) {
    window.print();
  }
});
