"""The controller side: model, store, node layer over SSH, .res rendering and parsing."""
