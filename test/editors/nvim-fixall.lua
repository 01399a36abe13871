-- Drive dockerfile-optimizer's language server from Neovim's built-in LSP client (headless):
-- open the Dockerfile, wait for the diagnostics, run "fix all safe"
-- (source.fixAll.dockerfile-optimizer), apply the workspace edit, write every buffer, quit.
-- Works with Neovim 0.7 (Debian bookworm) and later. Env: DFO_FILE, DFO_NODE, DFO_BIN, DFO_OUT.
local file = os.getenv('DFO_FILE')
local out = io.open(os.getenv('DFO_OUT'), 'w')
local function finish(code, msg)
  out:write(msg .. '\n')
  out:close()
  vim.cmd(code == 0 and 'qall!' or ('cquit ' .. code))
end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local buf = vim.api.nvim_get_current_buf()
vim.api.nvim_buf_set_option(buf, 'filetype', 'dockerfile')
local id = vim.lsp.start_client({
  name = 'dockerfile-optimizer',
  cmd = { os.getenv('DFO_NODE'), os.getenv('DFO_BIN'), 'lsp', '--stdio' },
  root_dir = vim.fn.fnamemodify(file, ':h'),
})
if not id then return finish(3, 'the server did not start') end
vim.lsp.buf_attach_client(buf, id)

local got = vim.wait(60000, function() return #vim.diagnostic.get(buf) > 0 end, 100)
if not got then return finish(4, 'no diagnostics') end
local codes = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do table.insert(codes, tostring(d.code)) end
out:write('diagnostics: ' .. table.concat(codes, ' ') .. '\n')

local client = vim.lsp.get_client_by_id(id)
local params = {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  range = { start = { line = 0, character = 0 }, ['end'] = { line = 0, character = 0 } },
  context = { diagnostics = {}, only = { 'source.fixAll.dockerfile-optimizer' } },
}
local res = client.request_sync('textDocument/codeAction', params, 30000, buf)
if not res or res.err or not res.result or #res.result == 0 then return finish(5, 'no fix-all action') end
local action = res.result[1]
if not action.edit then
  local r = client.request_sync('codeAction/resolve', action, 30000, buf)
  if not r or r.err then return finish(6, 'resolve failed') end
  action = r.result
end
vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding or 'utf-16')
vim.cmd('silent! wall')
finish(0, 'applied: ' .. action.title)
