// Copy buttons (issue 14): a button[data-copy] copies its text to the clipboard. The page works
// without this script: the buttons stay hidden and the values can be selected by hand.
document.querySelectorAll('button[data-copy]').forEach(function (button) {
  if (!navigator.clipboard) return
  button.hidden = false
  button.addEventListener('click', function () {
    navigator.clipboard.writeText(button.getAttribute('data-copy')).then(function () {
      var status = document.getElementById(button.getAttribute('aria-describedby') || '')
      if (status) status.textContent = button.getAttribute('data-copied')
    })
  })
})
