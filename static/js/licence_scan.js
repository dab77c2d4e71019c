// New-lead screen: once the camera's photo of the licence is chosen, send it to be read at once.
document.addEventListener("change", (event) => {
  const input = event.target;
  if (input instanceof HTMLInputElement && input.matches("[data-autosubmit]") && input.files && input.files.length) {
    input.form?.requestSubmit();
  }
});
