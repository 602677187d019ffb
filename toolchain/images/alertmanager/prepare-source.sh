# Runs in the Alertmanager module's source folder before `go build`
# (images.sh PREPARE_SOURCE). ui/web.go embeds app/dist (the Elm and Mantine
# UIs), which the release build makes with npm and the Go module does not
# carry. In their place, one page saying so: the API (/api/v2, amtool's) is
# complete without them, and the constructs use only the API.
set -eu
for ui in elm mantine; do
  mkdir -p "ui/app/dist/$ui"
  cat > "ui/app/dist/$ui/index.html" <<'HTML'
<!doctype html><title>Alertmanager</title>
<p>This Alertmanager was built from its Go module, which does not carry the web UI.
The API is served at <a href="api/v2/status">api/v2</a>; amtool uses it.
HTML
done
