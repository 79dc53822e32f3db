using System.Collections.Concurrent;
using System.Text.Json;

namespace Recommender.Api.Tests.Browser;

/// <summary>
/// One browser tab driven over DevTools: navigate, evaluate JavaScript, wait for the DOM, click and type with
/// real input events, take screenshots. Console errors, uncaught exceptions and error log entries are collected.
/// </summary>
internal sealed class BrowserPage
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
    private readonly DevToolsConnection _connection;
    private readonly string _session;

    private BrowserPage(DevToolsConnection connection, string session)
    {
        _connection = connection;
        _session = session;
    }

    /// <summary>Console errors, exceptions and error log entries (failed loads, CSP violations), in order.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public static async Task<BrowserPage> OpenAsync(DevToolsConnection connection, int width, int height)
    {
        var target = await connection.SendAsync("Target.createTarget", new { url = "about:blank" });
        var attached = await connection.SendAsync("Target.attachToTarget", new { targetId = target.GetProperty("targetId").GetString(), flatten = true });
        var page = new BrowserPage(connection, attached.GetProperty("sessionId").GetString()!);
        connection.EventReceived += page.Collect;
        await page.SendAsync("Runtime.enable");
        await page.SendAsync("Log.enable");
        await page.SendAsync("Page.enable");
        await page.SendAsync("Emulation.setDeviceMetricsOverride", new { width, height, deviceScaleFactor = 1, mobile = false });
        return page;
    }

    private Task<JsonElement> SendAsync(string method, object? parameters = null) => _connection.SendAsync(method, parameters, _session);

    private void Collect(DevToolsEvent e)
    {
        if (e.SessionId != _session)
        {
            return;
        }

        var p = e.Parameters;
        switch (e.Method)
        {
            case "Runtime.exceptionThrown":
                var details = p.GetProperty("exceptionDetails");
                var description = details.TryGetProperty("exception", out var exception) && exception.TryGetProperty("description", out var d)
                    ? d.GetString()
                    : details.GetProperty("text").GetString();
                Errors.Enqueue($"uncaught: {description}");
                break;
            case "Runtime.consoleAPICalled" when p.GetProperty("type").GetString() is "error" or "assert":
                var arguments = p.GetProperty("args").EnumerateArray()
                    .Select(a => a.TryGetProperty("value", out var v) ? v.ToString() : a.TryGetProperty("description", out var x) ? x.GetString() : a.GetRawText());
                Errors.Enqueue($"console.{p.GetProperty("type").GetString()}: {string.Join(' ', arguments)}");
                break;
            case "Log.entryAdded" when p.GetProperty("entry").GetProperty("level").GetString() == "error":
                var entry = p.GetProperty("entry");
                var url = entry.TryGetProperty("url", out var u) ? $" ({u.GetString()})" : "";
                Errors.Enqueue($"{entry.GetProperty("source").GetString()}: {entry.GetProperty("text").GetString()}{url}");
                break;
        }
    }

    public async Task NavigateAsync(string url)
    {
        var result = await SendAsync("Page.navigate", new { url });
        if (result.TryGetProperty("errorText", out var error))
        {
            throw new InvalidOperationException($"Navigating to {url} failed: {error.GetString()}");
        }
    }

    /// <summary>Evaluates an expression (awaiting a promise) and returns its JSON value; a thrown error throws here.</summary>
    public async Task<JsonElement> EvaluateAsync(string expression)
    {
        var result = await SendAsync("Runtime.evaluate", new { expression, returnByValue = true, awaitPromise = true });
        if (result.TryGetProperty("exceptionDetails", out var details))
        {
            var text = details.TryGetProperty("exception", out var e) && e.TryGetProperty("description", out var d) ? d.GetString() : details.GetRawText();
            throw new InvalidOperationException($"The page threw evaluating {expression}: {text}");
        }

        return result.GetProperty("result").TryGetProperty("value", out var value) ? value : default;
    }

    /// <summary>
    /// Polls until the expression gives something other than null, undefined or false, and returns it; after the
    /// timeout, fails with what was awaited, the last evaluation error, the collected errors and the page's text.
    /// An expression that throws counts as "not yet": the document may be between two navigations.
    /// </summary>
    public async Task<JsonElement> WaitForAsync(string expression, string awaited, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        string? lastError = null;
        while (true)
        {
            try
            {
                var value = await EvaluateAsync(expression);
                if (value.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.False))
                {
                    return value;
                }
            }
            catch (InvalidOperationException e)
            {
                lastError = e.Message;
            }

            if (DateTime.UtcNow > deadline)
            {
                var text = (await EvaluateAsync("document.body ? document.body.innerText : ''")).GetString() ?? "";
                throw new TimeoutException(
                    $"Waited {timeout.TotalSeconds} s for {awaited}.{Environment.NewLine}Last evaluation error: {lastError ?? "none"}" +
                    $"{Environment.NewLine}Page errors: {string.Join(" | ", Errors)}" +
                    $"{Environment.NewLine}Page text:{Environment.NewLine}{text[..Math.Min(text.Length, 3000)]}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>Clicks the middle of the element with real mouse events, after checking nothing covers it.</summary>
    public async Task ClickAsync(string selector)
    {
        var point = await EvaluateAsync($$"""
            (() => {
                const element = document.querySelector({{JsonSerializer.Serialize(selector)}});
                if (!element) throw new Error('nothing matches ' + {{JsonSerializer.Serialize(selector)}});
                element.scrollIntoView({ block: 'center', inline: 'center', behavior: 'instant' });
                const box = element.getBoundingClientRect();
                const x = box.left + box.width / 2, y = box.top + box.height / 2;
                const hit = document.elementFromPoint(x, y);
                if (!hit || !(hit === element || element.contains(hit))) throw new Error('something covers ' + {{JsonSerializer.Serialize(selector)}});
                return { x, y };
            })()
            """);
        var (x, y) = (point.GetProperty("x").GetDouble(), point.GetProperty("y").GetDouble());
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseMoved", x, y });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mousePressed", x, y, button = "left", clickCount = 1 });
        await SendAsync("Input.dispatchMouseEvent", new { type = "mouseReleased", x, y, button = "left", clickCount = 1 });
    }

    /// <summary>Clicks the field, then types one key at a time (keydown, input, keyup).</summary>
    public async Task TypeAsync(string selector, string text)
    {
        await ClickAsync(selector);
        foreach (var character in text)
        {
            var key = character.ToString();
            await SendAsync("Input.dispatchKeyEvent", new { type = "keyDown", key, text = key, unmodifiedText = key });
            await SendAsync("Input.dispatchKeyEvent", new { type = "keyUp", key });
        }
    }

    public async Task<byte[]> ScreenshotAsync()
    {
        var result = await SendAsync("Page.captureScreenshot", new { format = "png" });
        return Convert.FromBase64String(result.GetProperty("data").GetString()!);
    }
}
